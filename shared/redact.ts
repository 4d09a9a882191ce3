// Secrets must never leave the process in a log, an error or an API answer. These patterns cover
// what this app handles: SAS tokens (in URLs and bare), storage account keys and connection-string
// passwords.

const PATTERNS: Array<[RegExp, string]> = [
  // SAS signature and the other SAS fields that identify a token (sig is the secret part)
  [/([?&;\s'"]|^)(sig|skoid|sktid|skt|ske|sks|skv|sdd|saoid|suoid)=([^&\s'";]+)/gi, '$1$2=REDACTED'],
  // Connection-string style secrets
  [/(AccountKey|SharedAccessSignature|Password|Pwd|SharedAccessKey)=([^;'"\s]+)/gi, '$1=REDACTED'],
  // JSON style secrets: "password": "..." / "secret": "..." / "sasToken": "..."
  [/("(?:password|secret|sasToken|storageContainerSasToken|accountKey|clientSecret)"\s*:\s*")([^"]*)(")/gi, '$1REDACTED$3'],
  // T-SQL: SECRET = '...'
  [/(SECRET\s*=\s*N?')((?:[^']|'')*)(')/gi, '$1REDACTED$3'],
  // Bearer tokens
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1REDACTED'],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
