/**
 * A small, safe XML reader for JUnit reports, and the JUnit interpretation on top of it.
 *
 * Safe by construction rather than by configuration: it has no DTD support at all, so a document
 * with `<!DOCTYPE` or `<!ENTITY` is refused before anything is expanded (no XXE, no billion
 * laughs); only the five predefined entities and numeric character references are understood;
 * nesting depth, element count and text kept per element are bounded. It reads what JUnit
 * producers write (Maven Surefire, pytest, Jest, Go's gotestsum, vitest): elements, attributes,
 * text, CDATA, comments and processing instructions.
 */

export class XmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Text and CDATA directly inside the element, truncated at MAX_TEXT. */
  text: string;
}

const MAX_DEPTH = 64;
const MAX_ELEMENTS = 500_000;
const MAX_TEXT = 4000;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string, offset: number): string {
  return text.replace(/&([^;&\s]{1,10});/g, (_match, entity: string) => {
    const predefined = PREDEFINED[entity];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(entity);
    if (numeric?.[1]) {
      const code = numeric[1].startsWith('x') ? Number.parseInt(numeric[1].slice(1), 16) : Number(numeric[1]);
      if (code > 0 && code <= 0x10ffff) return String.fromCodePoint(code);
    }
    throw new XmlError(`Unknown entity &${entity}; (only the XML predefined entities are accepted)`, offset);
  });
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon >= 0 ? name.slice(colon + 1) : name;
}

/** Parses an XML document into its root element, or throws XmlError saying where and why. */
export function parseXml(input: string): XmlElement {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let i = 0;
  const addText = (chunk: string) => {
    const top = stack.at(-1);
    if (!top) {
      if (chunk.trim() !== '') throw new XmlError('Text outside the root element', i);
      return;
    }
    if (top.text.length < MAX_TEXT) top.text = (top.text + chunk).slice(0, MAX_TEXT);
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      addText(decodeEntities(text.slice(i), i));
      break;
    }
    if (lt > i) addText(decodeEntities(text.slice(i, lt), i));
    i = lt;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) throw new XmlError('Unterminated processing instruction', i);
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw new XmlError('Unterminated comment', i);
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) throw new XmlError('Unterminated CDATA section', i);
      addText(text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      // <!DOCTYPE and <!ENTITY are where XXE and entity expansion live: refused, never read.
      throw new XmlError(
        /^<!(DOCTYPE|ENTITY)/i.test(text.slice(i, i + 9))
          ? 'Document type declarations and entities are not accepted (XXE protection)'
          : 'Declarations are not accepted',
        i,
      );
    } else if (text.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const match = NAME.exec(text);
      if (!match) throw new XmlError('Malformed closing tag', i);
      const end = text.indexOf('>', NAME.lastIndex);
      if (end < 0 || text.slice(NAME.lastIndex, end).trim() !== '') throw new XmlError('Malformed closing tag', i);
      const open = stack.pop();
      if (!open || open.name !== localName(match[0])) {
        throw new XmlError(`Closing tag </${match[0]}> does not match <${open?.name ?? 'nothing'}>`, i);
      }
      i = end + 1;
    } else {
      NAME.lastIndex = i + 1;
      const match = NAME.exec(text);
      if (!match) throw new XmlError('Malformed tag', i);
      let j = NAME.lastIndex;
      const attributes: Record<string, string> = {};
      let selfClosing = false;
      for (;;) {
        while (j < text.length && /\s/.test(text[j] as string)) j++;
        if (text.startsWith('/>', j)) {
          selfClosing = true;
          j += 2;
          break;
        }
        if (text[j] === '>') {
          j++;
          break;
        }
        NAME.lastIndex = j;
        const attr = NAME.exec(text);
        if (!attr) throw new XmlError(`Malformed attribute in <${match[0]}>`, j);
        j = NAME.lastIndex;
        while (j < text.length && /\s/.test(text[j] as string)) j++;
        if (text[j] !== '=') throw new XmlError(`Attribute ${attr[0]} has no value`, j);
        j++;
        while (j < text.length && /\s/.test(text[j] as string)) j++;
        const quote = text[j];
        if (quote !== '"' && quote !== "'") throw new XmlError(`Attribute ${attr[0]} value is not quoted`, j);
        const close = text.indexOf(quote, j + 1);
        if (close < 0) throw new XmlError(`Unterminated value of attribute ${attr[0]}`, j);
        const raw = text.slice(j + 1, close);
        if (raw.includes('<')) throw new XmlError(`Attribute ${attr[0]} contains "<"`, j);
        const name = localName(attr[0]);
        if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
          throw new XmlError(`Attribute name ${attr[0]} is not accepted`, j);
        }
        attributes[name] = decodeEntities(raw, j);
        j = close + 1;
      }
      if (++elements > MAX_ELEMENTS) throw new XmlError(`More than ${MAX_ELEMENTS} elements`, i);
      const element: XmlElement = { name: localName(match[0]), attributes, children: [], text: '' };
      const parent = stack.at(-1);
      if (parent) parent.children.push(element);
      else if (root) throw new XmlError('More than one root element', i);
      else root = element;
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlError(`Elements nest deeper than ${MAX_DEPTH}`, i);
        stack.push(element);
      }
      i = j;
    }
  }
  if (stack.length > 0) throw new XmlError(`Element <${stack.at(-1)?.name}> is not closed`, text.length);
  if (!root) throw new XmlError('The document has no root element', 0);
  return root;
}

export interface JunitFailure {
  suite: string;
  name: string;
  classname: string | null;
  kind: 'failure' | 'error';
  message: string;
}

/** What a JUnit report says, in counts, plus the first failing cases. */
export interface JunitSummary {
  suites: number;
  tests: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
  /** Seconds, summed over the suites' `time` attributes when present. */
  time: number | null;
  failures: JunitFailure[];
}

export class NotJunitError extends Error {}

const MAX_LISTED_FAILURES = 25;

function count(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
}

/**
 * Reads a JUnit XML report: `<testsuites>` or a single `<testsuite>` at the root, suites nested
 * at any depth. Test cases are counted one by one (a case with `<failure>` failed, with
 * `<error>` errored, with `<skipped>` was skipped, otherwise passed); a report that lists only
 * suite totals is read from the suites' `tests`/`failures`/`errors`/`skipped` attributes.
 * Throws NotJunitError for well-formed XML that is not JUnit, XmlError for malformed XML.
 */
export function parseJunit(xml: string): JunitSummary {
  const root = parseXml(xml);
  if (root.name !== 'testsuites' && root.name !== 'testsuite') {
    throw new NotJunitError(`The root element is <${root.name}>, not <testsuites> or <testsuite>`);
  }
  const summary: JunitSummary = {
    suites: 0,
    tests: 0,
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    time: null,
    failures: [],
  };
  const totals = { tests: 0, failed: 0, errors: 0, skipped: 0 };
  let cases = 0;
  const visitSuite = (suite: XmlElement) => {
    summary.suites++;
    const nested = suite.children.filter((c) => c.name === 'testsuite');
    if (nested.length === 0) {
      totals.tests += count(suite.attributes.tests);
      totals.failed += count(suite.attributes.failures);
      totals.errors += count(suite.attributes.errors);
      totals.skipped += count(suite.attributes.skipped ?? suite.attributes.disabled);
      const time = Number(suite.attributes.time);
      if (suite.attributes.time !== undefined && Number.isFinite(time)) summary.time = (summary.time ?? 0) + time;
    }
    const suiteName = suite.attributes.name ?? '';
    for (const child of suite.children) {
      if (child.name === 'testsuite') visitSuite(child);
      if (child.name !== 'testcase') continue;
      cases++;
      const failure = child.children.find((c) => c.name === 'failure');
      const error = child.children.find((c) => c.name === 'error');
      const skipped = child.children.some((c) => c.name === 'skipped');
      if (failure || error) {
        const problem = (failure ?? error) as XmlElement;
        if (failure) summary.failed++;
        else summary.errors++;
        if (summary.failures.length < MAX_LISTED_FAILURES) {
          summary.failures.push({
            suite: suiteName,
            name: child.attributes.name ?? '',
            classname: child.attributes.classname ?? null,
            kind: failure ? 'failure' : 'error',
            message: (problem.attributes.message ?? problem.text).trim().slice(0, 500),
          });
        }
      } else if (skipped) summary.skipped++;
      else summary.passed++;
    }
  };
  if (root.name === 'testsuite') visitSuite(root);
  else {
    for (const child of root.children) {
      if (child.name === 'testsuite') visitSuite(child);
      else if (child.name !== 'properties') {
        throw new NotJunitError(`<testsuites> contains <${child.name}>; JUnit reports hold <testsuite> elements`);
      }
    }
  }
  if (cases > 0) summary.tests = cases;
  else {
    summary.tests = totals.tests;
    summary.failed = totals.failed;
    summary.errors = totals.errors;
    summary.skipped = totals.skipped;
    summary.passed = Math.max(0, totals.tests - totals.failed - totals.errors - totals.skipped);
  }
  if (summary.suites === 0) throw new NotJunitError('The report has no <testsuite>');
  if (summary.time !== null) summary.time = Math.round(summary.time * 1000) / 1000;
  return summary;
}

/** A run passed when nothing failed or errored and something ran; nothing ran at all is `blocked`. */
export function junitOutcome(summary: JunitSummary): 'passed' | 'failed' | 'blocked' {
  if (summary.failed + summary.errors > 0) return 'failed';
  return summary.passed > 0 ? 'passed' : 'blocked';
}
