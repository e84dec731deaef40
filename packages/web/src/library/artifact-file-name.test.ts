import { describe, expect, it } from 'vitest';
import { guessFromFileName, rangeLines } from './artifact-file-name.js';

describe('guessFromFileName', () => {
  it.each([
    ['payroll-4.2.0.tar.gz', 'payroll', '4.2.0'],
    ['route-planner_4.2.0-rc1.msi', 'route-planner', '4.2.0-rc1'],
    ['C:\\fakepath\\tracking-api-v2.13.1.jar', 'tracking-api', '2.13.1'],
    ['firmware-2026.11+build7.bin', 'firmware', '2026.11+build7'],
    ['openssl-3.0.13.tgz', 'openssl', '3.0.13'],
  ])('reads %s as %s %s', (file, name, version) => {
    expect(guessFromFileName(file)).toEqual({ name, version });
  });

  it('keeps the whole base name when no version is in it', () => {
    expect(guessFromFileName('installer.exe')).toEqual({ name: 'installer', version: null });
    expect(guessFromFileName('notes')).toEqual({ name: 'notes', version: null });
    // A single number is not taken for a version (too often part of the name).
    expect(guessFromFileName('office-365.zip')).toEqual({ name: 'office-365', version: null });
  });

  it('does not strip a suffix that is the whole name', () => {
    expect(guessFromFileName('.tar.gz')).toEqual({ name: '.tar', version: null });
  });
});

describe('rangeLines', () => {
  it('drops blank lines and trims', () => {
    expect(rangeLines('openssl >=3.0.0 <4\r\n\n  glibc >=2.31  \n')).toEqual(['openssl >=3.0.0 <4', 'glibc >=2.31']);
    expect(rangeLines('   ')).toEqual([]);
  });
});
