import { render } from "preact";
import { App, start } from "./app";
import { language, loadCatalog } from "./lib/i18n";
import "./style.css";

// Everything the first page needs is asked for at once: the session check, the page's chunk and
// data (app.tsx, ``start``), and the catalog of the language shown. The first render waits for
// the catalog (no key ever shows in place of its text) and the page's chunk.
document.documentElement.lang = language.get();
const show = () => render(<App />, document.getElementById("app") as HTMLElement);
Promise.all([start(), loadCatalog(language.get())]).then(show, show);
