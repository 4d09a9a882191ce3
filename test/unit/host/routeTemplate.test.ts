import { matchRoute, parseRouteTemplate } from '../../../local/host/routeTemplate';

const match = (template: string, p: string): Record<string, string> | undefined => matchRoute(parseRouteTemplate(template), p);

describe('route templates', () => {
  it('matches literals case-insensitively and captures params, URL-decoded', () => {
    expect(match('operations/{id}', 'Operations/op%201')).toEqual({ id: 'op 1' });
    expect(match('operations/{id}', 'operations')).toBeUndefined();
    expect(match('operations/{id}', 'operations/1/extra')).toBeUndefined();
    expect(match('operations', 'operations')).toEqual({});
  });

  it('honours regex constraints containing colons and parentheses, case-insensitively', () => {
    const t = 'operations/{id}/{decision:regex(^(approve|reject)$)}';
    expect(match(t, 'operations/7/approve')).toEqual({ id: '7', decision: 'approve' });
    expect(match(t, 'operations/7/REJECT')).toEqual({ id: '7', decision: 'REJECT' });
    expect(match(t, 'operations/7/maybe')).toBeUndefined();
    expect(match('t/{v:regex(^a:b$)}', 't/a:b')).toEqual({ v: 'a:b' });
  });

  it('supports int, guid, alpha, length constraints and chains of them', () => {
    expect(match('items/{n:int}', 'items/12')).toEqual({ n: '12' });
    expect(match('items/{n:int}', 'items/x')).toBeUndefined();
    expect(match('g/{id:guid}', 'g/0f8fad5b-d9cb-469f-a165-70867728950e')).toEqual({ id: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    expect(match('g/{id:guid}', 'g/nope')).toBeUndefined();
    expect(match('a/{name:alpha:minlength(2)}', 'a/ab')).toEqual({ name: 'ab' });
    expect(match('a/{name:alpha:minlength(2)}', 'a/a')).toBeUndefined();
    expect(() => parseRouteTemplate('x/{y:unknownthing}')).toThrow(/not supported/);
  });

  it('supports optional and catch-all params', () => {
    expect(match('files/{name?}', 'files')).toEqual({});
    expect(match('files/{name?}', 'files/a')).toEqual({ name: 'a' });
    expect(match('files/{n:int?}', 'files')).toEqual({});
    expect(match('files/{*path}', 'files/a/b/c.bak')).toEqual({ path: 'a/b/c.bak' });
    expect(match('files/{*path}', 'files')).toBeUndefined();
  });
});
