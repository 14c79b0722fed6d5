import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { databaseConfig, type DatabaseConfig } from '../config/app.config.js';
import { guardConnections } from './connection-errors.js';
import { dataSourceOptions } from './data-source.options.js';
import { TransactionHost } from './transaction-host.js';

/** The one data source (pg pool or embedded PGlite) and the transaction helper. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (config: DatabaseConfig) => ({
        ...dataSourceOptions(config, { migrations }),
        autoLoadEntities: true,
        migrationsRun: config.migrationsRun,
        migrationsTransactionMode: 'each' as const,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
      dataSourceFactory: async (options?: DataSourceOptions) =>
        guardConnections(await new DataSource(options!).initialize()),
    }),
  ],
  providers: [TransactionHost],
  exports: [TransactionHost],
})
export class DatabaseModule {}
