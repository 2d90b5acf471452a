// Types of the undici files src/http/undici.ts loads one by one; they are the package's own
// classes and functions, typed by its published declarations.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export default Agent;
}
declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici';
  export default function request(
    this: Dispatcher,
    options: Dispatcher.RequestOptions,
  ): Promise<Dispatcher.ResponseData>;
}
declare module 'undici/lib/core/errors.js' {
  import { errors } from 'undici';
  const undiciErrors: typeof errors;
  export default undiciErrors;
}
