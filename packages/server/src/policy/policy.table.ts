export interface PolicyVersionsTable {
  /** 1, 2, 3 …: the version a release records as "judged by". */
  version: number;
  /** The document exactly as applied (comments and layout kept). */
  yaml: string;
  comment: string;
  created_by: string;
  created_at: string;
}
