import { render } from "preact";
import { App } from "./app";
import { language } from "./lib/i18n";
import "./style.css";

document.documentElement.lang = language.get();
render(<App />, document.getElementById("app")!);
