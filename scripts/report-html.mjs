// Renders a ufq-replay report.md to a standalone HTML page, for checking the report by eye in
// a browser (scripts/render-report.sh). It knows the Markdown the report uses (headings,
// paragraphs, pipe tables with alignment, images, lists, block quotes, emphasis, inline code),
// styled like GitHub's rendering; it is not a general Markdown renderer.
// Usage: node scripts/report-html.mjs REPORT.md > REPORT.html
import { readFileSync } from 'node:fs';

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function inline(s) {
  const code = [];
  let t = s.replace(/`([^`]+)`/g, (_, c) => `\u0000${code.push(c) - 1}\u0000`);
  t = esc(t).replace(/\\\|/g, '|');
  t = t.replace(/!\[([^\]]*)\]\(([^)]+)\)/g, '<img alt="$1" src="$2">');
  t = t.replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>');
  t = t.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/\*([^*]+)\*/g, '<em>$1</em>');
  return t.replace(/\u0000(\d+)\u0000/g, (_, i) => `<code>${esc(code[Number(i)])}</code>`);
}

/** Cells of a table row; `\|` is a pipe inside a cell. */
const cells = (line) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

function render(md) {
  const lines = md.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    const h = /^(#{1,6}) (.*)$/.exec(line);
    if (h) {
      out.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`);
      i++;
    } else if (line.startsWith('|') && lines[i + 1]?.startsWith('|-')) {
      const align = cells(lines[i + 1]).map((c) => (c.endsWith(':') ? 'right' : 'left'));
      const row = (l, tag) =>
        `<tr>${cells(l)
          .map((c, k) => `<${tag} style="text-align:${align[k]}">${inline(c)}</${tag}>`)
          .join('')}</tr>`;
      const body = [];
      let j = i + 2;
      for (; j < lines.length && lines[j].startsWith('|'); j++) body.push(row(lines[j], 'td'));
      out.push(`<table><thead>${row(line, 'th')}</thead><tbody>${body.join('')}</tbody></table>`);
      i = j;
    } else if (/^- /.test(line)) {
      const items = [];
      for (; i < lines.length && /^(- |  - )/.test(lines[i]); i++) {
        if (lines[i].startsWith('- ')) items.push({ text: lines[i].slice(2), sub: [] });
        else items.at(-1).sub.push(lines[i].slice(4));
      }
      const li = (it) =>
        `<li>${inline(it.text)}${it.sub.length ? `<ul>${it.sub.map((s) => `<li>${inline(s)}</li>`).join('')}</ul>` : ''}</li>`;
      out.push(`<ul>${items.map(li).join('')}</ul>`);
    } else if (line.startsWith('> ')) {
      out.push(`<blockquote>${inline(line.slice(2))}</blockquote>`);
      i++;
    } else if (line.trim() === '') i++;
    else {
      const para = [];
      for (; i < lines.length && lines[i].trim() !== '' && !/^(#|\||- |> )/.test(lines[i]); i++) para.push(lines[i]);
      out.push(`<p>${inline(para.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}

const STYLE = `body{font:16px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:980px;margin:24px auto;padding:0 32px;color:#1f2328}
h1,h2{border-bottom:1px solid #d1d9e0;padding-bottom:.3em}table{border-collapse:collapse;margin:0 0 16px;display:block;overflow:auto}
th,td{border:1px solid #d1d9e0;padding:6px 13px}tr:nth-child(2n){background:#f6f8fa}img{max-width:100%}
code{background:#eff1f3;padding:.2em .4em;border-radius:6px;font-size:85%}blockquote{color:#59636e;border-left:.25em solid #d1d9e0;margin:0;padding:0 1em}`;

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/report-html.mjs REPORT.md > REPORT.html');
  process.exit(2);
}
const md = readFileSync(file, 'utf8');
const title = /^# (.*)$/m.exec(md)?.[1] ?? 'report';
process.stdout.write(
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>\n<body>\n${render(md)}\n</body></html>\n`,
);
