// A strict XML well-formedness check for the SVG files tests read (no XML parser is a
// dependency): every tag closes in order, attributes are quoted and unique, '&' starts a known
// or numeric entity, and there is one root element. Returns the problems found (empty: well
// formed), plus the root element's name and the text of every element, entities decoded.

export interface XmlCheck {
  problems: string[];
  root: string | null;
  /** Text content of all elements, in document order. */
  texts: string[];
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*$/;
const ENTITY = /^&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;

function decode(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}

function checkAmpersands(s: string, where: string, problems: string[]): void {
  for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', i + 1))
    if (!ENTITY.test(s.slice(i))) problems.push(`bare '&' in ${where}`);
}

export function checkXml(doc: string): XmlCheck {
  const problems: string[] = [];
  const texts: string[] = [];
  const stack: string[] = [];
  let root: string | null = null;
  let roots = 0;
  let i = 0;
  if (doc.startsWith('<?xml')) i = doc.indexOf('?>') + 2;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (text.trim() !== '') {
      if (stack.length === 0) problems.push('text outside the root element');
      checkAmpersands(text, 'text', problems);
      texts.push(decode(text));
    }
    if (lt < 0) break;
    if (doc.startsWith('<!--', lt)) {
      const end = doc.indexOf('-->', lt);
      if (end < 0) problems.push('unclosed comment');
      i = end < 0 ? doc.length : end + 3;
      continue;
    }
    const gt = doc.indexOf('>', lt);
    if (gt < 0) {
      problems.push('unclosed tag');
      break;
    }
    let tag = doc.slice(lt + 1, gt);
    // A '>' inside a quoted attribute value does not end the tag.
    let end = gt;
    while ((tag.match(/"/g)?.length ?? 0) % 2 === 1 || (tag.match(/'/g)?.length ?? 0) % 2 === 1) {
      end = doc.indexOf('>', end + 1);
      if (end < 0) break;
      tag = doc.slice(lt + 1, end);
    }
    if (end < 0) {
      problems.push('unclosed attribute quote');
      break;
    }
    i = end + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([^\s/>]+)([\s\S]*)$/.exec(body);
    const name = m?.[1] ?? '';
    if (!NAME.test(name)) problems.push(`bad element name '${name}'`);
    const attrs = (m?.[2] ?? '').trim();
    const seen = new Set<string>();
    const attrRe = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')\s*/y;
    let k = 0;
    while (k < attrs.length) {
      attrRe.lastIndex = k;
      const a = attrRe.exec(attrs);
      if (a === null) {
        problems.push(`unquoted or malformed attribute in <${name}>: ${attrs.slice(k, k + 30)}`);
        break;
      }
      if (seen.has(a[1])) problems.push(`duplicate attribute ${a[1]} in <${name}>`);
      seen.add(a[1]);
      const value = a[3] ?? a[4] ?? '';
      if (value.includes('<')) problems.push(`'<' in attribute ${a[1]}`);
      checkAmpersands(value, `attribute ${a[1]}`, problems);
      k = attrRe.lastIndex;
    }
    if (stack.length === 0) {
      roots++;
      root ??= name;
    }
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) problems.push(`unclosed elements: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return { problems, root, texts };
}
