// Generated from json/license-policy.schema.json by scripts/generate-types.mjs. Do not edit.

/**
 * Which licences catalog entries may carry: an allow-list of SPDX ids, and named exceptions for anything else.
 */
export interface LicensePolicy {
  $schema?: string;
  apiVersion: "kiln.dev/v1";
  kind: "LicensePolicy";
  /**
   * OSI-approved SPDX ids every entry may use.
   */
  allow: string[];
  exceptions?: {
    entry: string;
    license: string;
    reason: string;
  }[];
}
