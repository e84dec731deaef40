/** Display helpers shared by the CMDB pages. */

/** "virtual_machine" → "virtual machine". */
export function classLabel(ciClass: string): string {
  return ciClass.replaceAll('_', ' ');
}

/** "virtual_machine", 3 → "virtual machines"; uncountable words stay as they are. */
export function pluralClassLabel(ciClass: string, count: number): string {
  const words = classLabel(ciClass);
  if (count === 1 || /(software|hardware)$/.test(words)) return words;
  if (/(s|x|ch|sh)$/.test(words)) return `${words}es`;
  if (/[^aeiou]y$/.test(words)) return `${words.slice(0, -1)}ies`;
  return `${words}s`;
}

/** The CI page of a CI. */
export function ciPath(id: number): string {
  return `/cmdb/cis/${id}`;
}

/** A field or attribute value as text: strings as they are, anything else as JSON, nothing as a dash. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** "attributes.os_version" → "os version"; plain fields keep their name. */
export function fieldLabel(field: string): string {
  return (field.startsWith('attributes.') ? field.slice('attributes.'.length) : field).replaceAll('_', ' ');
}

/** Bytes for people: 1.2 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
