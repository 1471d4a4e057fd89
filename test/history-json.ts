/**
 * Workflow histories to and from Temporal's JSON form (what `historyToJSON` of @temporalio/common
 * writes and `temporal workflow show --output json` prints), for the history recorder and the
 * replay test. The SDK's own `historyToJSON`/`historyFromJSON` fail in this dependency tree with
 * "type must be a Type": @temporalio/common and @temporalio/proto each get a copy of protobufjs 8
 * of their own (gRPC's protobufjs 7 sits at the top of node_modules), and protobufjs's ProtoJSON
 * refuses a message type built by another copy. The same conversion, done by the copy of
 * protobufjs that built @temporalio/proto's types, works whatever the layout of node_modules.
 */
import { createRequire } from 'node:module';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

export type History = proto.temporal.api.history.v1.IHistory;

/** protobufjs's `ext/protojson`, the part used here. */
interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
}

const protojson = createRequire(require.resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType(
  'temporal.api.history.v1.History',
);

/** A history (as `handle.fetchHistory()` returns it) as JSON text, indented like the SDK's. */
export function historyToJson(history: History): string {
  return JSON.stringify(
    protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)),
    null,
    2,
  );
}

/** A history back from its JSON text, ready for `Worker.runReplayHistory`/`runReplayHistories`. */
export function historyFromJson(text: string): History {
  const history = protojson.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new TypeError('not a workflow history: no events');
  return history;
}
