// Text files the Worker bundle imports as strings (wrangler's default Text rule for *.txt).
declare module "*.txt" {
  const text: string;
  // biome-ignore lint/style/noDefaultExport: a text module's one value is its default export.
  export default text;
}
