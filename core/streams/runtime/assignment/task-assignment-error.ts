// Kafka Streams' TaskAssignmentException: assignment user data that cannot be read or written,
// or an assignment that cannot be made.
export class TaskAssignmentError extends Error {
  override readonly name = 'TaskAssignmentError';
}
