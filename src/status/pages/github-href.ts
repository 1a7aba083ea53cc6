/**
 * A link taken from GitHub's data (a PR's `html_url`), only if it really points at
 * https://github.com/: anything else (`javascript:`, `data:`, another host, credentials in the
 * URL) is shown as text, never as a link.
 */
export function githubHref(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const clean =
    parsed.protocol === "https:" &&
    parsed.hostname === "github.com" &&
    parsed.port === "" &&
    parsed.username === "" &&
    parsed.password === "";
  return clean ? parsed.href : null;
}
