// Orphaned users of a refreshed copy go to the target's login of their name and kind; the others
// stay orphaned and are listed.
import { planMapping } from '../../../shared/refresh/users';

test('a user goes to the login of its name (any case) and kind; others stay orphaned', () => {
  const orphans = [
    { name: 'sales_app', type: 'S' },
    { name: 'Reporting', type: 'S' },
    { name: 'ana@contoso.com', type: 'E' },
    { name: 'etl', type: 'S' },
  ];
  const logins = [
    { name: 'SALES_APP', type: 'S' },
    { name: 'reporting', type: 'S' },
    // an Entra login does not take a SQL user, nor the other way round
    { name: 'etl', type: 'E' },
    { name: 'ana@contoso.com', type: 'E' },
  ];
  expect(planMapping(orphans, logins)).toEqual({
    pairs: [
      { user: 'sales_app', login: 'SALES_APP' },
      { user: 'Reporting', login: 'reporting' },
      { user: 'ana@contoso.com', login: 'ana@contoso.com' },
    ],
    orphaned: ['etl'],
  });
});

test('no orphans: nothing to do', () => {
  expect(planMapping([], [{ name: 'sa', type: 'S' }])).toEqual({ pairs: [], orphaned: [] });
});
