/**
 * Two (or more) complete bot replicas in one Node process sharing one table, one Slack stand-in and the
 * GuardDuty/EC2 fakes. Used by test/integration/two-replicas.test.ts and scripts/two-replicas.ts.
 */
export * from './world';
export * from './replica';
export * from './generators';
export * from './phases';
export * from './figures';
