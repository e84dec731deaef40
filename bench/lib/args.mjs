/**
 * Command-line options of `npm run bench`. Kept dependency-free so `node bench/run.mjs --help`
 * works before anything is built.
 */

export const TIERS = ['S', 'M', 'L'];

export const USAGE = `Usage: npm run bench -- [options]

Options:
  --tier S|M|L        data and run size (default S; CI runs S)
  --only <names>      run only these workloads (comma-separated; see --list)
  --ci                correctness smoke run: short durations, checks only, never asserts timings
  --pin               pin servers to CPU 0 and the load generator to CPU 1 (needs taskset)
  --profile           write V8 CPU profiles of the servers under test to bench/results/
  --graphology        also run the graphology baseline at tier L (≈ 1 min and 2 GB per graph;
                      always on at S and M)
  --duration <s>      override the measured duration of each HTTP run, in seconds
  --connections <n>   override the number of HTTP connections
  --out <file>        write the results to <file> instead of bench/results/<timestamp>.json
  --no-save           do not write a results file
  --list              list the workloads and exit
  -h, --help          this help
`;

/** Parses argv (without node and script); throws an Error with a message for bad input. */
export function parseArgs(argv) {
  const options = {
    tier: 'S',
    only: null,
    ci: false,
    pin: false,
    profile: false,
    graphology: false,
    duration: null,
    connections: null,
    save: true,
    out: null,
    list: false,
    help: false,
  };
  const nextValue = (name, index) => {
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const take = () => {
      if (inline !== undefined) return inline;
      const value = nextValue(flag, i);
      i++;
      return value;
    };
    switch (flag) {
      case '--tier': {
        const tier = take().toUpperCase();
        if (!TIERS.includes(tier)) throw new Error(`--tier must be one of ${TIERS.join(', ')}, not "${tier}"`);
        options.tier = tier;
        break;
      }
      case '--only':
        options.only = take()
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
        break;
      case '--ci':
        options.ci = true;
        break;
      case '--pin':
        options.pin = true;
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--graphology':
        options.graphology = true;
        break;
      case '--duration':
        options.duration = positiveNumber(flag, take());
        break;
      case '--connections':
        options.connections = Math.round(positiveNumber(flag, take()));
        break;
      case '--out':
        options.out = take();
        break;
      case '--no-save':
        options.save = false;
        break;
      case '--list':
        options.list = true;
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      default:
        throw new Error(`Unknown option "${arg}"`);
    }
  }
  return options;
}

function positiveNumber(flag, text) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, not "${text}"`);
  return value;
}
