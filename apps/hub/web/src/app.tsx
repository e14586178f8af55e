import type { ComponentType } from 'preact';
import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Layout } from './layout.js';
import { useSession } from './session-hooks.js';
import { Loading } from './ui/kit.js';

// Routes of the console. Pages load on first visit (charts and MQTT stay out of the first download).
const page = <T,>(load: () => Promise<T>, pick: (m: T) => ComponentType) => lazy(() => load().then(pick));

const Login = page(() => import('./pages/auth/login.js'), (m) => m.LoginPage);
const Signup = page(() => import('./pages/auth/signup.js'), (m) => m.SignupPage);
const VerifyEmail = page(() => import('./pages/auth/signup.js'), (m) => m.VerifyEmailPage);
const Forgot = page(() => import('./pages/auth/reset.js'), (m) => m.ForgotPasswordPage);
const Reset = page(() => import('./pages/auth/reset.js'), (m) => m.ResetPasswordPage);
const Profile = page(() => import('./pages/profile/profile.js'), (m) => m.ProfilePage);
const Datasets = page(() => import('./pages/datasets/list.js'), (m) => m.DatasetsPage);
const Upload = page(() => import('./pages/datasets/upload.js'), (m) => m.UploadPage);
const Connect = page(() => import('./pages/datasets/connect.js'), (m) => m.ConnectPage);
const Dataset = page(() => import('./pages/datasets/detail.js'), (m) => m.DatasetPage);
const Training = page(() => import('./pages/training/list.js'), (m) => m.TrainingPage);
const TrainingStart = page(() => import('./pages/training/start.js'), (m) => m.TrainingStartPage);
const TrainingRun = page(() => import('./pages/training/run.js'), (m) => m.TrainingRunPage);
const Models = page(() => import('./pages/models/list.js'), (m) => m.ModelsPage);
const Model = page(() => import('./pages/models/detail.js'), (m) => m.ModelPage);
const Compare = page(() => import('./pages/models/compare.js'), (m) => m.ComparePage);
const Evaluations = page(() => import('./pages/evaluations/list.js'), (m) => m.EvaluationsPage);
const Evaluation = page(() => import('./pages/evaluations/detail.js'), (m) => m.EvaluationPage);
const Diagnosis = page(() => import('./pages/diagnoses/detail.js'), (m) => m.DiagnosisPage);
const Fleet = page(() => import('./pages/fleet/list.js'), (m) => m.FleetPage);
const Enroll = page(() => import('./pages/fleet/enroll.js'), (m) => m.EnrollPage);
const TargetPage = page(() => import('./pages/fleet/target.js'), (m) => m.TargetPage);
const Deployments = page(() => import('./pages/deployments/list.js'), (m) => m.DeploymentsPage);
const Deployment = page(() => import('./pages/deployments/detail.js'), (m) => m.DeploymentPage);
const Rollouts = page(() => import('./pages/rollouts/list.js'), (m) => m.RolloutsPage);
const Rollout = page(() => import('./pages/rollouts/detail.js'), (m) => m.RolloutPage);
const Users = page(() => import('./pages/admin/users.js'), (m) => m.UsersPage);
const Billing = page(() => import('./pages/admin/billing.js'), (m) => m.BillingPage);
const NotFound = page(() => import('./pages/not-found.js'), (m) => m.NotFoundPage);

const PUBLIC = ['/login', '/signup', '/verify-email', '/forgot-password', '/reset-password'];

function Redirect({ to }: { to: string }) {
  const { route } = useLocation();
  useEffect(() => route(to, true), [to]);
  return <Loading />;
}

function Routes() {
  const session = useSession();
  const { path, url } = useLocation();
  const isPublic = PUBLIC.includes(path);
  if (!session && !isPublic) return <Redirect to={`/login?next=${encodeURIComponent(url)}`} />;
  if (session && path === '/login') return <Redirect to="/datasets" />;
  const routes = (
    <ErrorBoundary>
      <Router>
        <Route path="/login" component={Login} />
        <Route path="/signup" component={Signup} />
        <Route path="/verify-email" component={VerifyEmail} />
        <Route path="/forgot-password" component={Forgot} />
        <Route path="/reset-password" component={Reset} />
        <Route path="/" component={() => <Redirect to="/datasets" />} />
        <Route path="/profile" component={Profile} />
        <Route path="/datasets" component={Datasets} />
        <Route path="/datasets/upload" component={Upload} />
        <Route path="/datasets/connect" component={Connect} />
        <Route path="/datasets/:id" component={Dataset} />
        <Route path="/diagnoses/:id" component={Diagnosis} />
        <Route path="/training" component={Training} />
        <Route path="/training/new" component={TrainingStart} />
        <Route path="/training/:id" component={TrainingRun} />
        <Route path="/models" component={Models} />
        <Route path="/models/compare" component={Compare} />
        <Route path="/models/:id" component={Model} />
        <Route path="/evaluations" component={Evaluations} />
        <Route path="/evaluations/:id" component={Evaluation} />
        <Route path="/fleet" component={Fleet} />
        <Route path="/fleet/enroll" component={Enroll} />
        <Route path="/fleet/:id" component={TargetPage} />
        <Route path="/deployments" component={Deployments} />
        <Route path="/deployments/:id" component={Deployment} />
        <Route path="/rollouts" component={Rollouts} />
        <Route path="/rollouts/:id" component={Rollout} />
        <Route path="/admin/users" component={Users} />
        <Route path="/billing" component={Billing} />
        <Route default component={NotFound} />
      </Router>
    </ErrorBoundary>
  );
  return isPublic ? <main class="public">{routes}</main> : <Layout>{routes}</Layout>;
}

export function App() {
  return (
    <LocationProvider>
      <Routes />
    </LocationProvider>
  );
}
