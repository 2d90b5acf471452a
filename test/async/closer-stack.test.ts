import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloserStack } from '../../src/async/closer-stack.js';

describe('CloserStack', () => {
  test('closes the last started part first, every part even when one fails, and only once', async () => {
    const closed: string[] = [];
    const stack = new CloserStack();
    stack.push('kube', () => closed.push('kube'));
    stack.push('transport', () => {
      closed.push('transport');
      throw new Error('agent close failed');
    });
    stack.push('server', async () => {
      await Promise.resolve();
      closed.push('server');
    });
    await assert.rejects(stack.closeAll(), (error) => {
      assert.ok(error instanceof AggregateError);
      assert.match(error.message, /closing transport failed/);
      return true;
    });
    assert.deepEqual(closed, ['server', 'transport', 'kube']);
    await assert.rejects(stack.closeAll());
    assert.deepEqual(closed, ['server', 'transport', 'kube'], 'a second close closes nothing twice');
  });
});
