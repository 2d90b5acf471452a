/**
 * The entry point of a sandbox worker thread (src/sandbox/): the stages of a Mount whose cost a
 * pod chooses, run under the limits the pool enforces. Rendering of templates, `jmesPath`,
 * formats and PKI parts; and parsing of large requests (their YAML and templates), which would
 * otherwise hold the event loop every pod shares. Loaded once per worker, not per task.
 */
import { serveSandboxTasks } from '../sandbox/worker-side.js';
import { parseMountRequest } from './parse/attributes.js';
import type { ParseSandboxTask } from './parse-in-sandbox.js';
import { runRenderTask, type RenderSandboxTask } from './render/render-task.js';

serveSandboxTasks((raw, progress) => {
  const task = raw as RenderSandboxTask | ParseSandboxTask;
  if (task.kind === 'render') return { result: runRenderTask(task.task, progress) };
  return { result: parseMountRequest(task.request, task.defaults, task.options) };
});
