// Examples shown at the end of each command's --help, as kubectl and gh show them.

export const helpExamples: Record<string, string[]> = {
  init: ['slipway init                      # models.yaml and .gitignore for this repository'],
  schema: ['slipway schema                    # where the JSON Schema of models.yaml is'],
  validate: ['slipway validate', 'slipway validate -f models/models.yaml'],
  plan: ['slipway plan', 'slipway plan --json | jq .changes', 'slipway plan --detailed-exitcode   # 0 nothing to do, 2 changes'],
  apply: ['slipway apply --yes', 'slipway apply --no-gate            # move traffic first, run the examples after', 'slipway apply --target prod --yes'],
  up: ['slipway up                         # serve here, redeploy on every change', 'slipway up -d --port 8800          # in the background', 'slipway down'],
  status: ['slipway status', 'slipway status --json'],
  call: ['slipway call iris \'{"petal_length": 5.4}\''],
  logs: ['slipway logs iris                  # the last 100 lines, oldest first', 'slipway logs iris -f --since 10m', 'slipway logs iris --previous        # the last replica that crashed'],
  builds: ['slipway builds iris'],
  deployments: ['slipway deployments iris', 'slipway deployments iris --json'],
  prune: ['slipway prune --dry-run', 'slipway prune --keep 3'],
  stop: ['slipway stop iris'],
  start: ['slipway start iris'],
  restart: ['slipway restart iris'],
  keys: ['export SLIPWAY_API_KEY=$(slipway keys create --name me --quiet)', 'slipway keys list', 'slipway keys rotate iris'],
  install: ['slipway install --target prod'],
  ci: ['slipway ci                          # in a CI job: plan, build and test on PRs, apply on merges'],
  test: ['slipway test iris'],
};
