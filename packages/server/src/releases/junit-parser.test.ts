import { describe, expect, it } from 'vitest';
import { junitOutcome, NotJunitError, parseJunit, XmlError } from './junit-parser.js';

describe('JUnit reports', () => {
  it('counts cases in nested suites, with the failures and errors listed', () => {
    const summary = parseJunit(`<?xml version="1.0"?>
      <!-- produced by a pipeline -->
      <testsuites>
        <properties><property name="ci" value="yes"/></properties>
        <testsuite name="outer" time="1.5">
          <testsuite name="inner" time="0.25">
            <testcase name="a &amp; b" classname="x.Y"/>
            <testcase name="fails"><failure><![CDATA[expected <1> but was <2>]]></failure></testcase>
          </testsuite>
          <testcase name="errs"><error message="boom"/></testcase>
          <testcase name="later"><skipped/></testcase>
        </testsuite>
      </testsuites>`);
    expect(summary).toMatchObject({ suites: 2, tests: 4, passed: 1, failed: 1, errors: 1, skipped: 1, time: 0.25 });
    expect(summary.failures).toEqual([
      { suite: 'inner', name: 'fails', classname: null, kind: 'failure', message: 'expected <1> but was <2>' },
      { suite: 'outer', name: 'errs', classname: null, kind: 'error', message: 'boom' },
    ]);
    expect(junitOutcome(summary)).toBe('failed');
  });

  it('reads suite totals when no cases are listed, and calls a run where nothing ran blocked', () => {
    const totals = parseJunit('<testsuite name="s" tests="10" failures="0" errors="0" skipped="2"/>');
    expect(totals).toMatchObject({ tests: 10, passed: 8, skipped: 2 });
    expect(junitOutcome(totals)).toBe('passed');
    expect(junitOutcome(parseJunit('<testsuite name="empty" tests="0"/>'))).toBe('blocked');
  });

  it('refuses what is not JUnit, malformed XML, and DTDs or entities (no XXE)', () => {
    expect(() => parseJunit('<html><body/></html>')).toThrow(NotJunitError);
    expect(() => parseJunit('<testsuites><div/></testsuites>')).toThrow(NotJunitError);
    expect(() => parseJunit('<testsuite><testcase name="x"></testsuite>')).toThrow(XmlError);
    expect(() => parseJunit('<testsuite name="a"/><testsuite name="b"/>')).toThrow(XmlError);
    expect(() => parseJunit('<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite name="&x;"/>')).toThrow(
      XmlError,
    );
    expect(() => parseJunit('<testsuite name="&custom;"/>')).toThrow(/Unknown entity/);
    expect(() => parseJunit(`${'<testsuite>'.repeat(100)}${'</testsuite>'.repeat(100)}`)).toThrow(/nest deeper/);
  });
});
