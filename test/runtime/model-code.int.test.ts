// Model files written for CML run unchanged: sibling imports, main guards, asyncio, numpy-like values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { startReplica } from './replica-process.ts';

async function invoke(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await request(`${url}/invoke`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.statusCode, json: await res.body.json() };
}

test('imports sibling files of the model and skips its __main__ block', async () => {
  const replica = await startReplica(
    {
      'src/features.py': 'def scale(x):\n    return x * 10\n',
      'src/predict.py': [
        'from features import scale',
        'def predict(args):',
        '    return scale(args["x"])',
        'if __name__ == "__main__":',
        '    raise SystemExit("the main block must not run in a replica")',
        '',
      ].join('\n'),
    },
    'src/predict.py',
    'predict',
  );
  try {
    assert.equal((await invoke(replica.url, { x: 2 })).json.response, 20);
  } finally {
    await replica.stop();
  }
});

test('a function may run its own asyncio event loop', async () => {
  const replica = await startReplica(
    {
      'predict.py': [
        'import asyncio',
        'async def double(x):',
        '    await asyncio.sleep(0)',
        '    return x * 2',
        'def predict(args):',
        '    return asyncio.run(double(args["x"]))',
        '',
      ].join('\n'),
    },
    'predict.py',
    'predict',
  );
  try {
    assert.equal((await invoke(replica.url, { x: 4 })).json.response, 8);
    assert.equal((await invoke(replica.url, { x: 5 })).json.response, 10);
    assert.is((await request(`${replica.url}/ready`)).statusCode, 200);
  } finally {
    assert.is(await replica.stop(), 0);
  }
});

test('values with tolist(), as numpy arrays and scalars have, are sent as plain JSON', async () => {
  const replica = await startReplica(
    {
      'predict.py': [
        'class Array:',
        '    def __init__(self, items):',
        '        self.items = items',
        '    def tolist(self):',
        '        return list(self.items)',
        'def predict(args):',
        '    return {"prediction": Array([0, 1])}',
        '',
      ].join('\n'),
    },
    'predict.py',
    'predict',
  );
  try {
    assert.equal((await invoke(replica.url, {})).json.response, { prediction: [0, 1] });
  } finally {
    await replica.stop();
  }
});

test.run();
