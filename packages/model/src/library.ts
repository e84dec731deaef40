/**
 * The Definitive Software Library (DSL) and the Definitive Hardware Store (DHS) as data: states,
 * transitions and the names of the rules that gate them. The server enforces them; the UI and
 * the CLI read the same definitions to show what can happen next.
 */

export const ARTIFACT_STATES = ['quarantined', 'approved', 'retired', 'compromised'] as const;
export type ArtifactState = (typeof ARTIFACT_STATES)[number];

/**
 * Allowed artifact transitions. `compromised` is reached only by an integrity check (a changed or
 * missing file), never by a person, and is terminal: content that was tampered with is never
 * trusted again; push it anew under a new version.
 */
export const ARTIFACT_TRANSITIONS: Record<ArtifactState, readonly ArtifactState[]> = {
  quarantined: ['approved', 'retired', 'compromised'],
  approved: ['retired', 'compromised'],
  retired: ['compromised'],
  compromised: [],
};

/** Transitions a person may ask for (the others are made by integrity checks). */
export const ARTIFACT_MANUAL_TRANSITIONS: readonly ArtifactState[] = ['approved', 'retired'];

export function artifactTransitionAllowed(from: ArtifactState, to: ArtifactState): boolean {
  return ARTIFACT_TRANSITIONS[from].includes(to);
}

/** Verdict of the licence policy on one SPDX expression. `needs_review` is never "allowed". */
export const LICENCE_VERDICTS = ['allowed', 'denied', 'needs_review'] as const;
export type LicenceVerdict = (typeof LICENCE_VERDICTS)[number];

/** The rule names the library's gates report (policy paths or library rules). */
export const LIBRARY_RULES = {
  approved: 'library.approved',
  integrity: 'library.integrity',
  segregationOfDuties: 'library.segregation_of_duties',
  licenceAllow: 'licences.allow',
  licenceDeny: 'licences.deny',
  licenceUnknown: 'licences.unknown',
  signatureRequired: 'signatures.requiredFor',
  signatureValid: 'library.signature_valid',
} as const;
export type LibraryRule = (typeof LIBRARY_RULES)[keyof typeof LIBRARY_RULES];

/** What the compliance report finds on software the CMDB says is installed. */
export const COMPLIANCE_FINDING_KINDS = ['unauthorized', 'unlicensed', 'needs_review', 'tampered'] as const;
export type ComplianceFindingKind = (typeof COMPLIANCE_FINDING_KINDS)[number];

export const HARDWARE_ITEM_STATES = ['in_stock', 'reserved', 'deployed', 'retired'] as const;
export type HardwareItemState = (typeof HARDWARE_ITEM_STATES)[number];

/** Allowed stock item transitions; `retired` is terminal. */
export const HARDWARE_ITEM_TRANSITIONS: Record<HardwareItemState, readonly HardwareItemState[]> = {
  in_stock: ['reserved', 'deployed', 'retired'],
  reserved: ['in_stock', 'deployed'],
  deployed: ['retired'],
  retired: [],
};

export function hardwareTransitionAllowed(from: HardwareItemState, to: HardwareItemState): boolean {
  return HARDWARE_ITEM_TRANSITIONS[from].includes(to);
}

export const RESERVATION_STATES = ['active', 'released', 'fulfilled'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/** CMDB classes a deployed stock item may become. */
export const HARDWARE_CI_CLASSES = ['server', 'desktop', 'network_device', 'storage'] as const;
export type HardwareCiClass = (typeof HARDWARE_CI_CLASSES)[number];
