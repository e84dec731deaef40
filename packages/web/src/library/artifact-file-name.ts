/** Packaging suffixes dropped before the version is looked for (longest first: .tar.gz before .gz). */
const SUFFIXES = [
  '.tar.gz',
  '.tar.xz',
  '.tar.bz2',
  '.tar.zst',
  '.tgz',
  '.tar',
  '.zip',
  '.gz',
  '.xz',
  '.bz2',
  '.zst',
  '.msi',
  '.msix',
  '.appx',
  '.exe',
  '.deb',
  '.rpm',
  '.apk',
  '.jar',
  '.war',
  '.ear',
  '.whl',
  '.nupkg',
  '.img',
  '.iso',
  '.qcow2',
  '.ova',
  '.bin',
  '.pkg',
  '.dmg',
];

/** `name-1.2.3`, `name_v1.2.3-rc.1`, `name-2026.11+build7`: a name, a separator, a dotted version. */
const NAME_AND_VERSION = /^(.+?)[-_]v?(\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.+-]+)?)$/;

/**
 * Name and version as far as a file name tells them ("payroll-4.2.0.tar.gz" → payroll, 4.2.0),
 * to prefill the upload form; null where the name follows no such pattern.
 */
export function guessFromFileName(fileName: string): { name: string; version: string | null } {
  let base = fileName.replace(/^.*[\\/]/, '');
  const lower = base.toLowerCase();
  const suffix = SUFFIXES.find((candidate) => lower.endsWith(candidate) && lower.length > candidate.length);
  if (suffix) base = base.slice(0, -suffix.length);
  const match = NAME_AND_VERSION.exec(base);
  if (match?.[1] && match[2]) return { name: match[1], version: match[2] };
  return { name: base, version: null };
}

/** Lines of a "one range a line" field, trimmed, blanks dropped. */
export function rangeLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
