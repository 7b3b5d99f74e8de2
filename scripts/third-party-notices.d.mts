// Types for third-party-notices.mjs, used by scripts/build.mjs and by test/packaging.test.ts.

export interface PackageNotice {
  name: string;
  version: string;
  licence: string;
  text: string;
}

export function bundledPackageDirectories(metafile: { inputs: Record<string, unknown> }): string[];
export function packageNotice(directory: string): PackageNotice;
export function thirdPartyNotices(notices: readonly PackageNotice[]): string;
