import { ManualClock } from '../../core/clock.js';
import { storeConformance } from '../conformance/store-conformance.js';
import { MemoryStore } from './memory-store.js';

storeConformance('memory', async () => new MemoryStore({ clock: new ManualClock() }));
