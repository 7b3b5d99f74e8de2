// Wati cannot rename a segment: a definition renamed in the repository creates a second segment,
// and the old one stays active. This is what segsync says about a create that looks like a
// rename, in one place: the plan's `possible-rename` diagnostic carries it (plan data, in every
// format), and the text plan and the pull-request comment repeat it next to the create. It lives
// in the shared core because both the plan (which may import only core/) and render/ (which may
// not import plan/ for anything but types) need it, and the advice must read the same everywhere.

/** The advice for a create that looks like a rename of `oldName` (JSON-quoted: each renderer
 *  escapes it for its sink). */
export function renameAdvice(oldName: string): string {
  const old = JSON.stringify(oldName);
  return (
    `looks like a rename of ${old}: this creates a new segment and ${old} stays active in Wati; ` +
    `delete ${old} in the dashboard, then \`segsync state forget ${old}\``
  );
}
