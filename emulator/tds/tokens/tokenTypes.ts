// Token type bytes of the server's tabular result stream (MS-TDS 2.2.7).
export const TokenType = {
  RETURNSTATUS: 0x79,
  COLMETADATA: 0x81,
  ERROR: 0xaa,
  INFO: 0xab,
  RETURNVALUE: 0xac,
  LOGINACK: 0xad,
  FEATUREEXTACK: 0xae,
  ROW: 0xd1,
  ENVCHANGE: 0xe3,
  FEDAUTHINFO: 0xee,
  DONE: 0xfd,
  DONEPROC: 0xfe,
  DONEINPROC: 0xff,
} as const;
