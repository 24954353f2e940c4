// Entry: configure zod for a strict CSP (first!), mount the console, connect to the session.
import '../../core/session/zod-jitless.js';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { createClient } from './api/client';
import App from './App.vue';
import { startSession } from './stores/session';
import './style.css';

const app = createApp(App);
app.use(createPinia());
startSession(createClient(window));
app.mount('#app');
