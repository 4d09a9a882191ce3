// The SAS rules of LRS (REFERENCE 8.3): exactly Read + List. The token is only ever parsed here,
// never quoted back.

/** true when the token's `sp` holds r and l and nothing else, in any order */
export function isReadListOnly(sas: string): boolean {
  const sp = new URLSearchParams(sas.replace(/^\?/, '')).get('sp');
  if (sp === null) return false;
  return [...sp].sort().join('') === 'lr';
}
