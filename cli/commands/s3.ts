import type { Command } from 'commander';

export function registerS3(program: Command): Command {
  return program.command('s3').description('S3-style firmware server');
}
