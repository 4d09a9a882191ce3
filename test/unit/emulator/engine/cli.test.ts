import { parseArgs } from '../../../../emulator/cli';

describe('emulator CLI arguments', () => {
  it('reads the estate, admin port, clock speed and Azurite endpoint', () => {
    expect(parseArgs(['--estate', 'e.json', '--admin-port', '7070', '--clock-speed', '20', '--azurite-blob-endpoint', 'http://127.0.0.1:10000/devstoreaccount1/'])).toEqual({
      estate: 'e.json',
      adminPort: 7070,
      clockSpeed: 20,
      azuriteBlobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
    });
  });

  it('refuses missing and unknown arguments with the usage text', () => {
    expect(() => parseArgs([])).toThrow(/--estate is required\nusage: emulator/);
    expect(() => parseArgs(['--estate'])).toThrow('--estate needs a value');
    expect(() => parseArgs(['--estate', 'e.json', '--port', '1'])).toThrow('unknown argument --port');
    expect(() => parseArgs(['--estate', 'e.json', '--clock-speed', '0'])).toThrow(/--clock-speed must be a number/);
  });
});
