// Python model files for the local daemon's integration tests: small functions that do on request
// what a test needs a model to do (raise, crash, hang, hold a replica until released).

/**
 * `echo` answers its input, and on request raises (`raise`), exits the process mid-call (`exit`)
 * or sleeps (`sleep` seconds). `hold` keeps its replica busy until the file named by `release`
 * exists (at most 60 s), so a test decides when a slow call ends instead of guessing a duration.
 */
export const behavingModels = `import os, sys, time

print("models loaded", flush=True)

def echo(args):
    if args.get("raise"):
        raise ValueError("asked to raise: " + str(args["raise"]))
    if args.get("exit"):
        print("exiting mid-call", flush=True)
        os._exit(3)
    if args.get("sleep"):
        time.sleep(args["sleep"])
    return args

def hold(args):
    for _ in range(6000):
        if os.path.exists(args["release"]):
            break
        time.sleep(0.01)
    return {"held": args.get("tag"), "pid": os.getpid()}
`;

/** A models.yaml entry for a function of `m/models.py`, with extra YAML lines for the model. */
export function modelEntry(name: string, fn: 'echo' | 'hold', extra: string[] = []): string {
  return [`  - name: ${name}`, '    file: m/models.py', `    function: ${fn}`, ...extra.map((line) => `    ${line}`)].join('\n');
}
