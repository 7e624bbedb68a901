// The command-line options every benchmark takes: --json for machine-readable output, --runs N.

export function parseBenchArguments(argv: string[], defaultRuns: number): { json: boolean; runs: number } {
  let json = false;
  let runs = defaultRuns;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--json') json = true;
    else if (argument === '--runs') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 100) {
        console.error(`--runs: "${argv[i] ?? ''}" is not a whole number from 1 to 100; using ${defaultRuns}`);
      } else {
        runs = value;
      }
    } else {
      console.error(`ignoring unknown argument "${argument}" (known: --json, --runs N)`);
    }
  }
  return { json, runs };
}
