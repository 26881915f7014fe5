// Moved to @codepark/testing. Kept only for apps/server/src/infra/push/web-push.test.ts, which
// imports this path; delete once that test imports "@codepark/testing".
export { type FakePushService, makeSubscription, startFakePushService } from "@codepark/testing";
