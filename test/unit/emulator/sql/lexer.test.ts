import { tokenize, type Token } from '../../../../emulator/sql/lexer';
import { SqlError } from '../../../../emulator/sqlError';

const kinds = (sql: string): [string, string][] =>
  tokenize(sql)
    .filter((t) => t.kind !== 'eof')
    .map((t: Token) => [t.kind, t.text]);

function lexError(sql: string): SqlError {
  try {
    tokenize(sql);
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error('expected a lexer error');
}

describe('lexer', () => {
  it('reads words, keywords case-insensitively, and operators', () => {
    const tokens = tokenize('select Name,x<>1 FROM t where a>=2');
    expect(tokens.map((t) => t.upper)).toEqual(['SELECT', 'NAME', ',', 'X', '<>', '1', 'FROM', 'T', 'WHERE', 'A', '>=', '2', '']);
    expect(tokens[1].text).toBe('Name');
  });

  it('unquotes [bracketed] identifiers with ]] escapes and "double-quoted" ones', () => {
    expect(kinds('[a]]b] "c""d" [with space]')).toEqual([
      ['qident', 'a]b'],
      ['qident', 'c"d'],
      ['qident', 'with space'],
    ]);
  });

  it("reads 'strings' and N'unicode' with '' escapes", () => {
    expect(kinds("'it''s' N'ünï' n'x' ''")).toEqual([
      ['string', "it's"],
      ['nstring', 'ünï'],
      ['nstring', 'x'],
      ['string', ''],
    ]);
  });

  it('keeps quotes, semicolons and comment markers inside strings and identifiers', () => {
    expect(kinds("'a; -- b /* c */' [x']]; DROP DATABASE [y] \"q;--\"")).toEqual([
      ['string', 'a; -- b /* c */'],
      ['qident', "x']; DROP DATABASE [y"],
      ['qident', 'q;--'],
    ]);
  });

  it('reads integers, decimals, floats with exponents, binary literals', () => {
    expect(kinds('42 3.14 .5 7. 1e3 2.5E-2 0x1F 0X')).toEqual([
      ['integer', '42'],
      ['decimal', '3.14'],
      ['decimal', '.5'],
      ['decimal', '7.'],
      ['float', '1e3'],
      ['float', '2.5E-2'],
      ['binary', '1F'],
      ['binary', ''],
    ]);
  });

  it('reads @variables and @@globals', () => {
    expect(kinds('@x @Long_Name1 @@VERSION @@rowcount')).toEqual([
      ['variable', '@x'],
      ['variable', '@Long_Name1'],
      ['global', 'VERSION'],
      ['global', 'rowcount'],
    ]);
  });

  it('drops -- and nested /* */ comments and counts lines through them', () => {
    const tokens = tokenize('a -- one\n/* two /* nested */ still\n comment */ b\nc');
    expect(tokens.filter((t) => t.kind !== 'eof').map((t) => [t.text, t.line])).toEqual([
      ['a', 1],
      ['b', 3],
      ['c', 4],
    ]);
  });

  it('counts lines inside multi-line strings', () => {
    const tokens = tokenize("'a\nb\nc' x");
    expect(tokens[1].line).toBe(3);
    expect(tokens[0].line).toBe(1);
  });

  it('makes GO a separator only when it is alone on its line', () => {
    const tokens = tokenize('select 1\n  GO  \nselect go\ngo 3\nGO -- done\nselect 1 go');
    expect(tokens.filter((t) => t.kind === 'go').map((t) => [t.line, t.repeat])).toEqual([
      [2, 1],
      [4, 3],
      [5, 1],
    ]);
    expect(tokens.filter((t) => t.upper === 'GO' && t.kind === 'word')).toHaveLength(2);
  });

  it('refuses an unclosed string with 105', () => {
    const e = lexError("select 'abc");
    expect([e.number, e.state, e.severity, e.message]).toEqual([105, 1, 15, "Unclosed quotation mark after the character string 'abc'."]);
  });

  it('counts the line of a lexical error from the start of its GO batch', () => {
    expect(lexError("select 1\ngo\nselect 2\nselect 'x").toMessage().lineNumber).toBe(2);
  });

  it('refuses an unclosed bracketed identifier with 105', () => {
    expect(lexError('select [abc').number).toBe(105);
  });

  it('refuses an unterminated block comment with 113', () => {
    const e = lexError('select 1 /* /* */');
    expect([e.number, e.message]).toEqual([113, "Missing end comment mark '*/'."]);
  });
});
