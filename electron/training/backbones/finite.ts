// The NaN/Inf scan is pure maths shared by the engine, the host and the metrics: it lives in shared/metrics.
export { type NonFinite, findNonFinite } from '../../../shared/metrics/non-finite.ts';
