/**
 * The embedded store answers its own process only: real dynalite behind the guard, real SDK client, real HTTP.
 * A web page open on the same machine can find the port; it must get nothing it can read and change nothing.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import pino from 'pino';
import { embeddedCredentials, startDynalite, type EmbeddedCredentials } from '../../src/store/embedded';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { openStore } from '../../src/store/open-store';
import { ensureTable } from '../../src/store/table';
import { localClientConfig, startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';

let dynamo: TestDynamo;
let url: URL;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  url = new URL(dynamo.endpoint);
});

afterAll(async () => {
  await dynamo.stop();
});

const LIST_TABLES = '{}';
const PUT_ITEM = (pk: string): string => JSON.stringify({ TableName: 'guardduty-chatops-test', Item: { pk: { S: pk }, sk: { S: 'x' } } });

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** The signer's hash, on node:crypto (the test signs independently of the guard's own code). */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {}
}

/** The headers of a DynamoDB request signed (SigV4, as the SDK does) with `credentials`. */
async function signedHeaders(credentials: EmbeddedCredentials, target: string, body: string): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'dynamodb', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${target}` },
    body,
  });
  return signed.headers;
}

async function post(headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(dynamo.endpoint, { method: 'POST', headers, body });
}

function expectNoCors(res: Response): void {
  for (const name of res.headers.keys()) expect(name).not.toMatch(/^access-control-/);
}

async function expectRefused(res: Response, status = 403): Promise<{ __type: string; message: string }> {
  expect(res.status).toBe(status);
  expectNoCors(res);
  const body = (await res.json()) as { __type: string; message: string };
  expect(body.__type).toMatch(/^com\.amazon\.coral\.service#/);
  expect(body.message).toBeTruthy();
  return body;
}

async function exists(pk: string): Promise<boolean> {
  const got = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { pk: { S: pk }, sk: { S: 'x' } } }));
  return got.Item !== undefined;
}

describe('the embedded store refuses browsers', () => {
  test('a request with an Origin header is refused, even when correctly signed, and gets no CORS header', async () => {
    const headers = await signedHeaders(embeddedCredentials(), 'PutItem', PUT_ITEM('from-a-page'));
    const res = await post({ ...headers, origin: 'https://evil.example' }, PUT_ITEM('from-a-page'));
    const body = await expectRefused(res);
    expect(body.message).toMatch(/browser/);
    expect(await exists('from-a-page')).toBe(false);
  });

  test('Origin: null (a sandboxed frame, a file: page) is refused too', async () => {
    const res = await post(
      { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables', origin: 'null' },
      LIST_TABLES,
    );
    await expectRefused(res);
  });

  test('a CORS preflight is refused without any Access-Control-Allow-* header', async () => {
    const res = await fetch(dynamo.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-amz-target,authorization,x-amz-date',
      },
    });
    expect(res.status).toBe(403);
    expectNoCors(res);
    await res.arrayBuffer();
  });

  test('the SDK client with the right credentials is refused when its requests carry an Origin header', async () => {
    const client = new DynamoDBClient(localClientConfig(dynamo.endpoint, { maxAttempts: 1 }));
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers.origin = 'http://localhost:8080';
        return next(args);
      },
      { step: 'build', name: 'addOrigin' },
    );
    try {
      await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      client.destroy();
    }
  });
});

describe('the embedded store refuses requests not signed with the process key', () => {
  test('an unsigned request is refused (and a GET too)', async () => {
    const res = await post(
      { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      PUT_ITEM('unsigned'),
    );
    const body = await expectRefused(res);
    expect(body.__type).toBe('com.amazon.coral.service#UnrecognizedClientException');
    expect(await exists('unsigned')).toBe(false);
    await expectRefused(await fetch(dynamo.endpoint));
  });

  test('a request with an Authorization header that only looks like SigV4 is refused', async () => {
    const headers = await signedHeaders(embeddedCredentials(), 'ListTables', LIST_TABLES);
    const forged = {
      ...headers,
      authorization: String(headers.authorization).replace(/Signature=[0-9a-f]{64}/, `Signature=${'0'.repeat(64)}`),
    };
    await expectRefused(await post(forged, LIST_TABLES));
    // A signed header that names an Object property, not a header the request has.
    const odd = String(headers.authorization).replace(/SignedHeaders=[^,]+/, 'SignedHeaders=constructor;host;x-amz-date');
    await expectRefused(await post({ ...headers, authorization: odd }, LIST_TABLES));
  });

  test("a request signed with another key (the old fixed 'embedded'/'embedded') is refused", async () => {
    const headers = await signedHeaders({ accessKeyId: 'embedded', secretAccessKey: 'embedded' }, 'PutItem', PUT_ITEM('old-key'));
    const body = await expectRefused(await post(headers, PUT_ITEM('old-key')));
    expect(body.__type).toBe('com.amazon.coral.service#UnrecognizedClientException');
    expect(await exists('old-key')).toBe(false);
  });

  test('the SDK client with another key gets UnrecognizedClientException', async () => {
    const client = new DynamoDBClient({
      ...localClientConfig(dynamo.endpoint),
      credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
    });
    try {
      await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
        message: expect.stringMatching(/own bot process/),
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      client.destroy();
    }
  });

  test('a request with the right key ID but the wrong secret is refused', async () => {
    const { accessKeyId } = embeddedCredentials();
    const headers = await signedHeaders({ accessKeyId, secretAccessKey: 'guessed' }, 'PutItem', PUT_ITEM('wrong-secret'));
    const body = await expectRefused(await post(headers, PUT_ITEM('wrong-secret')));
    expect(body.__type).toBe('com.amazon.coral.service#UnrecognizedClientException');
    expect(await exists('wrong-secret')).toBe(false);

    const client = new DynamoDBClient({ ...localClientConfig(dynamo.endpoint), credentials: { accessKeyId, secretAccessKey: 'guessed' } });
    try {
      await expect(client.send(new ListTablesCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    } finally {
      client.destroy();
    }
  });

  test('a correctly signed request whose body or target was changed afterwards is refused', async () => {
    const headers = await signedHeaders(embeddedCredentials(), 'PutItem', PUT_ITEM('signed-body'));
    await expectRefused(await post(headers, PUT_ITEM('swapped-body')));
    expect(await exists('swapped-body')).toBe(false);

    const withoutHash = { ...headers };
    delete withoutHash['x-amz-content-sha256'];
    await expectRefused(await post(withoutHash, PUT_ITEM('swapped-body')));

    await expectRefused(await post({ ...headers, 'x-amz-target': 'DynamoDB_20120810.DeleteTable' }, PUT_ITEM('signed-body')));
    expect(await exists('signed-body')).toBe(false);
  });

  test('a correctly signed body over 16 MB is refused with 413, and the store still answers', async () => {
    const big = JSON.stringify({
      TableName: dynamo.tableName,
      Item: { pk: { S: 'big' }, sk: { S: 'x' }, b: { S: 'x'.repeat(16 * 1024 * 1024) } },
    });
    const res = await post(await signedHeaders(embeddedCredentials(), 'PutItem', big), big).catch((err: unknown) => err);
    // The server answers 413 and closes; the client may see the answer or, still sending, a reset.
    if (res instanceof Response) {
      expect(res.status).toBe(413);
      expectNoCors(res);
      await res.arrayBuffer();
    }
    expect(await exists('big')).toBe(false);
  });

  test('a correctly signed raw request goes through (the refusals above are not for the form)', async () => {
    const headers = await signedHeaders(embeddedCredentials(), 'PutItem', PUT_ITEM('raw-signed'));
    const res = await post(headers, PUT_ITEM('raw-signed'));
    expect(res.status).toBe(200);
    expectNoCors(res);
    await res.arrayBuffer();
    expect(await exists('raw-signed')).toBe(true);
  });
});

describe("the bot's own client", () => {
  test('openStore with no table: the embedded store answers the client it builds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gd-chatops-'));
    try {
      const opened = await openStore({ dataDir }, pino({ level: 'silent' }));
      try {
        expect(opened.description).toBe(`embedded:${dataDir}`);
        await expect(opened.store.ping()).resolves.toBeUndefined();
        await opened.store.advanceCursor('ap-south-1', 99);
        expect(await opened.store.getCursor('ap-south-1')).toBe(99);
      } finally {
        await opened.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the store the helper built works, with the credentials startDynalite returned', async () => {
    expect(dynamo.credentials).toEqual(embeddedCredentials());
    expect(dynamo.credentials?.accessKeyId).not.toBe('embedded');
    const store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.advanceCursor('eu-north-1', 1234);
    expect(await store.getCursor('eu-north-1')).toBe(1234);
  });

  test('a second server in the same process takes the same per-process key; its client works', async () => {
    const server = await startDynalite();
    const client = new DynamoDBClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials: server.credentials });
    try {
      await ensureTable(client, 'second');
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['second']);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('the embedded store listens on 127.0.0.1 only', () => {
  const reachable = (host: string, port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = connect({ host, port, timeout: 2000 });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
    });

  test('the endpoint is 127.0.0.1, and no other address of the machine answers on its port', async () => {
    expect(url.hostname).toBe('127.0.0.1');
    const port = Number(url.port);
    expect(await reachable('127.0.0.1', port)).toBe(true);
    const others = Object.values(networkInterfaces())
      .flatMap((addresses) => addresses ?? [])
      .map((a) => a.address)
      .filter((a) => a !== '127.0.0.1' && !a.startsWith('fe80:'));
    for (const host of ['::1', '127.0.0.2', ...others]) {
      expect([host, await reachable(host, port)]).toEqual([host, false]);
    }
  });
});
