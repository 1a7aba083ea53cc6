// The status pages' stylesheet: status.nixos.org's colours (green < 3 days, orange < 10, red beyond;
// #b5ffb5 / #ff9e9e for the job strip), inlined by src/status/pages/layout.ts so a page is one request.
export const pageStyle = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1b1f24; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
  code { font-size: 13px; } h1 code { font-size: inherit; } .fresh { color: #1a7f37; } .aging { color: #bc4c00; } .stale { color: #cf222e; }
  .state { font-weight: 600; } .blocked, .error { color: #cf222e; } .advanced, .idle { color: #1a7f37; }
  .unmaintained { opacity: .6; } ul.reasons { margin: .3rem 0 0 1rem; padding: 0; }
  ol.funnel { display: flex; gap: .5rem; list-style: none; padding: 0; flex-wrap: wrap; }
  ol.funnel li { border: 1px solid #d8dee4; border-radius: 6px; padding: .5rem .75rem; }
  p.strip { display: flex; gap: 2px; height: 1.6rem; } p.strip a { flex: 1; min-width: 3px; max-width: 1.2rem; }
  .strip .pass { background: #b5ffb5; } .strip .fail { background: #ff9e9e; } .strip .wait { background: #d8dee4; }
  @media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } th, td, ol.funnel li { border-color: #30363d; } a { color: #58a6ff; } }
`;
