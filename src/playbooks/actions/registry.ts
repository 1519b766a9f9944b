import type { ResponseAction } from '../action.js';
import blockIp from './block-ip/index.js';
import createTask from './create-task/index.js';
import isolateHost from './isolate-host/index.js';

export const RESPONSE_ACTIONS: readonly ResponseAction<never>[] = [blockIp, createTask, isolateHost] as never;

export function getAction(id: string): ResponseAction<unknown> | undefined {
  return RESPONSE_ACTIONS.find((a) => a.id === id) as ResponseAction<unknown> | undefined;
}
