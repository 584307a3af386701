import { MandateError } from '../core/errors.js';
import type { DecisionPoint, Decision, Outcome } from './decision-point.js';
import { EMPTY_SESSION, type DecisionRequest } from './request.js';

/**
 * Policy unit tests: requests with the decision each should get, run against a decision point.
 * The file format (`mandate policy test <file.json>`):
 * `{ "policies": "<dir, relative to the file>", "cases": [{ "name", "request", "expect" }] }`,
 * where `request` is a `DecisionRequest` as JSON (`now` an ISO 8601 string; `session` defaults
 * to an empty session and `approved` to false).
 */

export interface PolicyTestCase {
  name: string;
  request: DecisionRequest;
  expect: Outcome;
}

export interface PolicyTestFile {
  policies: string;
  cases: PolicyTestCase[];
}

export interface PolicyTestResult {
  name: string;
  expect: Outcome;
  outcome: Outcome;
  pass: boolean;
  reasons: string[];
  errors: Decision['errors'];
}

const OUTCOMES: readonly string[] = ['allow', 'deny', 'approval_required'];

function invalid(message: string): MandateError {
  return new MandateError('invalid_request', message);
}

/** Parses a test file's JSON; throws `invalid_request` naming the case and field at fault. */
export function parsePolicyTestFile(json: unknown): PolicyTestFile {
  if (typeof json !== 'object' || json === null)
    throw invalid('a policy test file is a JSON object with `policies` and `cases`');
  const { policies, cases } = json as Record<string, unknown>;
  if (typeof policies !== 'string')
    throw invalid('`policies` must be the path of a directory of `.cedar` files');
  if (!Array.isArray(cases)) throw invalid('`cases` must be an array');
  return {
    policies,
    cases: cases.map((c: unknown, i) => {
      if (typeof c !== 'object' || c === null) throw invalid(`case ${i} must be an object`);
      const { name, request, expect } = c as Record<string, unknown>;
      const label = typeof name === 'string' ? `case \`${name}\`` : `case ${i}`;
      if (typeof name !== 'string' || name === '')
        throw invalid(`${label}: \`name\` must be a non-empty string`);
      if (typeof expect !== 'string' || !OUTCOMES.includes(expect))
        throw invalid(`${label}: \`expect\` must be one of allow, deny, approval_required`);
      if (typeof request !== 'object' || request === null)
        throw invalid(`${label}: \`request\` must be an object`);
      const r = request as Record<string, unknown>;
      const now = new Date(
        typeof r.now === 'string' || typeof r.now === 'number' ? r.now : Number.NaN,
      );
      if (Number.isNaN(now.getTime()))
        throw invalid(`${label}: \`request.now\` must be an ISO 8601 date-time`);
      const parsed = {
        session: { ...EMPTY_SESSION },
        approved: false,
        ...r,
        now,
      } as unknown as DecisionRequest;
      return { name, request: parsed, expect: expect as Outcome };
    }),
  };
}

/** Decides every case; a case passes when its outcome is the expected one. */
export function runPolicyTests(
  point: DecisionPoint,
  cases: readonly PolicyTestCase[],
): PolicyTestResult[] {
  return cases.map((c) => {
    const d = point.authorize(c.request);
    return {
      name: c.name,
      expect: c.expect,
      outcome: d.outcome,
      pass: d.outcome === c.expect,
      reasons: d.reasons,
      errors: d.errors,
    };
  });
}
