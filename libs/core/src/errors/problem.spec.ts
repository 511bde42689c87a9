import { describe, expect, it } from '@jest/globals';
import { InvalidOptionsError, LatticeError, toProblem, toValidationProblems } from '@lattice/core';

class HubOfflineError extends LatticeError<{ hubId: string; status: string }> {
  constructor(hubId: string) {
    super('HUB_OFFLINE', `Hub ${hubId} is offline`, { data: { hubId, status: 'ignored' }, status: 409 });
  }
}

describe('toProblem', () => {
  it('keeps a LatticeError code, status, message and data, without letting data override standard members', () => {
    const problem = toProblem(new HubOfflineError('h-1'), '/api/v1/devices/d-1/commands');
    expect(problem).toEqual({
      type: 'urn:lattice:error:hub_offline',
      title: 'Conflict',
      status: 409,
      detail: 'Hub h-1 is offline',
      code: 'HUB_OFFLINE',
      instance: '/api/v1/devices/d-1/commands',
      hubId: 'h-1',
    });
  });

  it('turns unknown errors into a generic 500 that leaks neither message nor stack', () => {
    const problem = toProblem(new Error('password=hunter2 at db.ts:12'));
    expect(problem.status).toBe(500);
    expect(problem.code).toBe('INTERNAL');
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });

  it('recognises a LatticeError from another copy of the package by shape', () => {
    const foreign = Object.assign(new Error('x'), { code: 'X_Y', retryable: false, status: 404, data: {} });
    expect(LatticeError.isLatticeError(foreign)).toBe(true);
    expect(toProblem(foreign).status).toBe(404);
  });
});

describe('InvalidOptionsError', () => {
  it('lists every problem as path: message', () => {
    const error = new InvalidOptionsError(
      'DiscoveryModule',
      toValidationProblems([
        { path: ['lease', 'ttlSeconds'], message: 'must be at least 1' },
        { path: [], message: 'unknown key "zonee"' },
      ]),
    );
    expect(error.code).toBe('CORE_INVALID_OPTIONS');
    expect(error.message).toContain('lease.ttlSeconds: must be at least 1');
    expect(error.message).toContain('(root): unknown key "zonee"');
    expect(error.data.problems).toHaveLength(2);
  });
});
