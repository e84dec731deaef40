import { describe, expect, it } from 'vitest';
import { formatBytes, formatTable, shortTime } from './table-format.js';

describe('formatTable', () => {
  it('aligns columns under their headings without trailing blanks', () => {
    const rows = [
      { id: 1, name: 'admin', roles: 'admin' },
      { id: 12, name: 'alice', roles: 'release_manager,cab_member' },
    ];
    const text = formatTable(rows, [
      { header: 'ID', value: (r) => String(r.id) },
      { header: 'USERNAME', value: (r) => r.name },
      { header: 'ROLES', value: (r) => r.roles },
    ]);
    expect(text.split('\n')).toEqual([
      'ID  USERNAME  ROLES',
      '1   admin     admin',
      '12  alice     release_manager,cab_member',
    ]);
  });

  it('formats times and sizes for people', () => {
    expect(shortTime('2026-11-28T08:12:33.123Z')).toBe('2026-11-28 08:12');
    expect(shortTime(null)).toBe('-');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(16 * 1024 * 1024)).toBe('16.0 MiB');
  });
});
