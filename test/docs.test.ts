// The README stays a five-minute read, and the manual in docs/ stays whole: every relative link of
// the README and of docs/ names a file that exists and, with an anchor, a heading that exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/core/errors.js';
import { ROOT } from './helpers/cli.js';

const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const pages = [README, join(ROOT, 'CHANGELOG.md'), ...readdirSync(DOCS).map((name) => join(DOCS, name))];

/** The document's text outside fenced code blocks, where a `#` line is a comment, not a heading. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .trim()
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = prose(readFileSync(file, 'utf8')).match(/^#+ .*$/gm) ?? [];
  return new Set(headings.map((line) => anchorOf(line.replace(/^#+ /, ''))));
}

describe('the README', () => {
  it('is under 15 KB', () => {
    expect(readFileSync(README).length).toBeLessThan(15 * 1024);
  });
});

describe('the exit-code tables', () => {
  const codes = [...new Set(Object.values(EXIT))].sort((a, b) => a - b);
  /** The codes in the first column of a table's rows: `| 3 |`, `| 130 / 143 |`. */
  const listed = (text: string) =>
    [
      ...new Set(
        [...text.matchAll(/^\| ([\d /]+) \|/gm)].flatMap((match) => (match[1] ?? '').split('/').map((code) => Number(code.trim()))),
      ),
    ].sort((a, b) => a - b);

  it("the README's lists every exit code the tool uses", () => {
    expect(listed(readFileSync(README, 'utf8').split('## Exit codes')[1]?.split('\n## ')[0] ?? '')).toEqual(codes);
  });

  it("docs/output.md's lists every exit code the tool uses", () => {
    expect(listed(readFileSync(join(DOCS, 'output.md'), 'utf8'))).toEqual(codes);
  });
});

describe('links between the README and docs/', () => {
  it.each(pages.map((file) => [relative(ROOT, file), file]))('%s: every relative link resolves', (_name, file) => {
    const broken: string[] = [];
    for (const match of prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [path = '', anchor] = target.split('#');
      const resolved = path === '' ? file : join(dirname(file), path);
      if (!existsSync(resolved)) broken.push(`${target}: no such file`);
      else if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const readme = readFileSync(README, 'utf8');
    const unlinked = readdirSync(DOCS).filter((name) => !readme.includes(`](docs/${name}`));
    expect(unlinked).toEqual([]);
  });
});
