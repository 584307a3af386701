import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshnessMs } from './http-cache.js';

const NOW = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const DAY = 86_400_000;

test('freshness: max-age and s-maxage, bounded to [1 minute, 1 day]', () => {
  assert.equal(freshnessMs({ 'cache-control': 'public, max-age=3600' }, NOW), 3_600_000);
  assert.equal(freshnessMs({ 'cache-control': 'max-age=600, s-maxage=1200' }, NOW), 1_200_000);
  assert.equal(freshnessMs({ 'cache-control': 'max-age=5' }, NOW), MIN, 'the floor');
  assert.equal(freshnessMs({ 'cache-control': 'max-age=0' }, NOW), MIN);
  assert.equal(freshnessMs({ 'cache-control': 'max-age=31536000' }, NOW), DAY, 'the ceiling');
  assert.equal(freshnessMs({ 'cache-control': 'no-store' }, NOW), MIN);
  assert.equal(freshnessMs({ 'cache-control': 'no-cache, max-age=3600' }, NOW), MIN);
});

test('freshness: Expires against Date (or the time received), an invalid one is expired', () => {
  const date = new Date(NOW).toUTCString();
  assert.equal(
    freshnessMs({ date, expires: new Date(NOW + 7_200_000).toUTCString() }, NOW),
    7_200_000,
  );
  assert.equal(freshnessMs({ expires: new Date(NOW + 7_200_000).toUTCString() }, NOW), 7_200_000);
  assert.equal(freshnessMs({ date, expires: '0' }, NOW), MIN);
  assert.equal(freshnessMs({ date, expires: new Date(NOW + 9 * DAY).toUTCString() }, NOW), DAY);
  assert.equal(
    freshnessMs({ 'cache-control': 'max-age=120', date, expires: '0' }, NOW),
    120_000,
    'max-age wins over Expires',
  );
});

test('freshness: nothing said is 5 minutes', () => {
  assert.equal(freshnessMs({}, NOW), 300_000);
  assert.equal(freshnessMs({ 'cache-control': 'public' }, NOW), 300_000);
  assert.equal(freshnessMs({ 'cache-control': 'max-age=abc' }, NOW), 300_000);
});
