/**
 * The entry point of a sandbox worker thread (src/sandbox/): renders the objects of a
 * RenderTask under the limits the pool enforces. Loaded once per worker, not per task.
 */
import { serveSandboxTasks } from '../../sandbox/worker-side.js';
import { runRenderTask, type RenderTask } from './render-task.js';

serveSandboxTasks((task, progress) => ({ result: runRenderTask(task as RenderTask, progress) }));
