import { Empty, PageHeader } from '../ui/kit.js';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Empty title="There is no page at this address.">
        <a href="/datasets">Go to datasets</a>
      </Empty>
    </>
  );
}
