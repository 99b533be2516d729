// Renders the legal documents' Markdown subset (headings, paragraphs, lists, **bold**) as
// elements — never as HTML strings, so nothing in a document can run or inject markup.
import type { ComponentChildren } from "preact";

function inline(text: string): ComponentChildren[] {
  return text
    .split(/(\*\*[^*]+\*\*)/g)
    .map((part, i) =>
      part.startsWith("**") && part.endsWith("**") ? <strong key={i}>{part.slice(2, -2)}</strong> : part,
    );
}

export function Markdown({ source, headingLevel = 2 }: { source: string; headingLevel?: 2 | 3 }) {
  const blocks: ComponentChildren[] = [];
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  let paragraph: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (paragraph.length) blocks.push(<p key={blocks.length}>{inline(paragraph.join(" "))}</p>);
    if (list.length) {
      blocks.push(
        <ul key={blocks.length}>
          {list.map((item, i) => (
            <li key={i}>{inline(item)}</li>
          ))}
        </ul>,
      );
    }
    paragraph = [];
    list = [];
  };
  for (const line of lines) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, headingLevel + Math.max(0, heading[1].length - 1));
      const Tag = `h${level}` as "h2";
      blocks.push(<Tag key={blocks.length}>{inline(heading[2])}</Tag>);
    } else if (/^\s*[-*]\s+/.test(line)) {
      if (paragraph.length) flush();
      list.push(line.replace(/^\s*[-*]\s+/, ""));
    } else if (!line.trim()) {
      flush();
    } else if (list.length && /^\s+/.test(line)) {
      list[list.length - 1] += ` ${line.trim()}`;
    } else {
      if (list.length) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return <>{blocks}</>;
}
