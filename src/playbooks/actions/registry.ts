import type { ResponseAction } from '../action.js';
import addTag from './add-tag/index.js';
import assign from './assign/index.js';
import blockIp from './block-ip/index.js';
import blockSender from './block-sender/index.js';
import blockUrl from './block-url/index.js';
import createTask from './create-task/index.js';
import enrich from './enrich/index.js';
import httpRequest from './http-request/index.js';
import isolateHost from './isolate-host/index.js';
import notify from './notify/index.js';
import setSeverity from './set-severity/index.js';
import setStatus from './set-status/index.js';

export const RESPONSE_ACTIONS: readonly ResponseAction<never, never>[] = [blockIp, blockSender, blockUrl, isolateHost, createTask, enrich, addTag, setSeverity, setStatus, assign, notify, httpRequest] as never;

export function getAction(id: string): ResponseAction<unknown, unknown> | undefined {
  return RESPONSE_ACTIONS.find((a) => a.id === id) as ResponseAction<unknown, unknown> | undefined;
}
