/** Diagnosis: why a call was bad, when, and whose network or device caused it. Pure; see docs/diagnosis.md. */
export {
  diagnose,
  diagnoseOwn,
  finishDiagnosis,
  diagnosisSummary,
  DIAGNOSIS_METHOD,
  MAX_ISSUES,
  type OwnDiagnosis,
  type DiagnosisReport,
  type IssueJson,
} from './engine.ts';
export {
  applyBlame,
  findSender,
  type BlameContext,
  type SessionPeer,
  type ReceivedStreamRef,
} from './blame.ts';
export { intervalFromMetricRow, seriesShape } from './from-metric-rows.ts';
export { verdictRank, VERDICT_ORDER } from './verdict.ts';
export * from './types.ts';
