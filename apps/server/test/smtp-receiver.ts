// Moved to @codepark/testing. Kept only for apps/server/src/infra/mail/mailer.test.ts, which
// imports this path; delete once that test imports "@codepark/testing/smtp".
export {
  type ReceivedMail,
  type SmtpReceiver,
  type SmtpReceiverOptions,
  startSmtpReceiver,
} from "@codepark/testing/smtp";
