// The web's part of a shared catalog, one chunk per language (the plugin in vite.config.ts).
declare module "virtual:catalog/*" {
  const catalog: Record<string, unknown>;
  export default catalog;
}
